"""What the demo history's tickets say: titles per category and survey comments, es and en."""

from __future__ import annotations

TITLES: dict[str, tuple[str, ...]] = {
    "hardware": ("La impresora del piso 3 no imprime", "Laptop doesn't turn on",
                 "El monitor parpadea", "Docking station not detecting screens",
                 "Se rompió el teclado", "Mouse no responde", "Battery drains in an hour",
                 "La pantalla se queda en negro"),
    "software": ("Excel se cierra al abrir archivos grandes", "Need Adobe Acrobat installed",
                 "Teams no comparte pantalla", "Actualización de Windows atascada",
                 "Licencia de Office vencida", "Zoom crashes on start", "Instalar Power BI"),
    "access": ("Olvidé mi contraseña", "Account locked after password change",
               "No me llega el código MFA", "Acceso a la carpeta de Finanzas",
               "New hire needs accounts", "Cuenta bloqueada en SAP"),
    "email": ("No recibo correos externos", "Outlook keeps asking for password",
              "Buzón lleno", "Shared mailbox not showing", "Correo rebotado a un cliente"),
    "network": ("La VPN no conecta desde casa", "Wi-Fi drops in meeting room B",
                "Internet muy lento en la oficina", "Cannot reach the file server",
                "Sin red en el escritorio 14"),
    "os": ("Pantalla azul al arrancar", "Mac won't update to the latest macOS",
           "El equipo va muy lento", "Disk full warning", "Reinicios inesperados"),
    "database": ("Consulta del ERP muy lenta", "Report database timeout",
                 "Error de conexión a la base de clientes", "Backup job failed"),
    "security": ("Correo sospechoso con adjunto", "Phishing email reported",
                 "Se compartió un archivo con datos de clientes por error",
                 "Lost laptop at the airport"),
    "other": ("Pregunta sobre el nuevo portal", "Need a second monitor",
              "Mover mi equipo a otro escritorio", "Request for a headset"),
}

COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("¡Rapidísimo, gracias!", "Super helpful, solved in minutes.", "Muy amable Ana.",
        "Great explanation of what went wrong."),
    4: ("Bien, aunque tardó un poco.", "Fixed, thanks. Took a while to get a reply."),
    3: ("Se resolvió, pero tuve que explicar dos veces.", "OK in the end."),
    2: ("Tardaron demasiado.", "Had to chase for an answer."),
    1: ("Nadie me respondió en dos días.", "Still not really fixed."),
}
